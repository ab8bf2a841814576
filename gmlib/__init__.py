"""gmlib: the helper library of the goal-misgeneralization course.

The notebooks import from here: data generators, models, training loops, environments,
plots and widgets. The functions students implement (the graded metrics) are *not* here;
they live in the notebooks, and their answer keys live with the autograder.
"""

__version__ = "0.1.0"
