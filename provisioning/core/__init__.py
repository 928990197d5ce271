"""The pure core: models and decisions. No I/O, no clients, no ``await`` in here."""
