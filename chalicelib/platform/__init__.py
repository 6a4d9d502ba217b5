"""What every domain stands on: settings from the environment, the pynamodb models (one per
table), the municipality list, mail through SES, the Jinja2 environment, Dutch formatting of
dates and numbers, text cleaning and the structured logger. Knows nothing of HTTP."""
