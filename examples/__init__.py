"""Two small services as AWS Lambda handlers, protected by gatehouse (see README.md)."""
