"""Printed documents in the GUI: written by ``reports`` on the worker into a private temporary
folder of the vault's data folder, previewed, printed or saved, and deleted when closed."""
