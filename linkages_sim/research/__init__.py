"""Research workflow: experiment designs, sweeps that stream to disk and resume, and their
analysis (intervals over replications, paired differences, Sobol and Morris sensitivity)."""
