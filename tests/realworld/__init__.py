"""Real-world regression suite: small inputs we wrote ourselves, in the shapes real publishers
serve, run through the real pipeline over loopback HTTP."""
