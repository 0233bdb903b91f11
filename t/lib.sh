# t/lib.sh - shared shell helpers for script tests (placeholder)
