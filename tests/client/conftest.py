"""The client tests: the flows of gatehouse.client against the real token service."""
