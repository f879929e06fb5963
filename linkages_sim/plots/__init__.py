"""Figures as matplotlib `Figure` objects, never pyplot.

Importing this package chooses no backend, so a notebook's inline plots keep working
(`common` explains how they are saved).
"""
