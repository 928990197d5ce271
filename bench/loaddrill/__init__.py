"""The load drill (bench/load_drill.py): its phases, invariants and witnesses."""
