"""The one spreadsheet import pipeline, used by every import (the roster, a drill's
timeline, the paper sign-in sheet):

files.py     reading CSV (UTF-8 or Shift_JIS, detected) and XLSX within core.spreadsheets'
             limits, every row keeping its line in the file
columns.py   which column is which field: headings, aliases, the user's remembered choice
pipeline.py  ImportKind, the rows and result the preview shows, read_upload, checked_write
store.py     the upload waiting for its next step; abandoned ones are removed after a day
steps.py     the pages' steps: upload, choose columns, preview, confirm
forms.py     the upload form

An import supplies only its ImportKind (name and columns) and its row rules.
"""
