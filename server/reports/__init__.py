"""Reports for district staff: distributions of practice across schools, never a lone mean.

One module per report (`lookfors`, `coverage`, `feedback_loop`, `core`), each a function of the
caller and their `filters.Filters` returning a plain dict; `csv_table` turns any of them into
the flat table of its figures. Grouping happens in SQL; only grouped counts reach Python
(`distributions`), so a report's cost grows with the number of groups, not of observations.
"""
