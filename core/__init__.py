"""The ground floor: errors and places every other package uses; imports nothing of the project."""
