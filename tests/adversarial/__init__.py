"""Adversarial submissions for the hardened grader, and the toy course they are graded in."""
