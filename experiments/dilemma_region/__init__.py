"""Where the quarter's prisoner's dilemma holds (issue 16): see README.md."""
