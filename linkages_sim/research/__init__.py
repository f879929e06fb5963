"""Research workflow: experiment designs, sweeps that stream to disk and resume, and analysis.

The analysis gives intervals over replications, paired differences, and Sobol and Morris
sensitivity.
"""
