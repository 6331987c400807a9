"""profile: a Lambda handler behind a gatehouse Lambda authorizer."""
