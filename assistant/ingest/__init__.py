"""Files to documents: reading (text, Word, PDF, OCR), cleaning, header, structure, chunks."""
