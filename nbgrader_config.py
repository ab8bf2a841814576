# nbgrader reads this file when run from the repository root (nbgrader, formgrader).
# The course layout lives in one place: autograder/course.py.
from autograder.course import course_config

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)
c.merge(course_config())
