"""A minimal Django project serving djangorestframework-simplejwt, the peer in
``bench/peer_simplejwt.py``: refresh rotation with the blacklist app, argon2id passwords."""
