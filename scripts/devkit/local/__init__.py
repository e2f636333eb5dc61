"""The local stack: moto, the CI360 staging server, the API Gateway stand-in, the runtime emulator, make demo."""
