"""Scale-out tests: the same code on PostgreSQL and a Redis lock store."""
