"""The course's autograder: nbgrader configuration, generation of student notebooks,
and the grading command line (``python -m autograder --help``)."""
