"""orders: a Lambda handler protected by ``@require_token``; it calls profile."""
