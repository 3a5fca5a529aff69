"""The energy/area report: runs, claims, figures, rendering and atomic publishing.

``python -m area_energy.report`` (or ``ipnet report``) builds it (:func:`.build.main`).
"""
