"""The local stack behind `gatehouse dev`: the token service and the [[functions]] of
gatehouse.toml on one port, with API Gateway's events, authorizers and cache."""
