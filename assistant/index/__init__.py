"""Chunks to an index: dense embeddings, sparse vectors, term weights, the vector store."""
