"""Printed reports: PDFs in the house style, built off the event loop."""
