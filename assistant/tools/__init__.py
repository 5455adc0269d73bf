"""Outside the serving path: evaluation, fitting, benchmarks, the attack table. Imported lazily."""
