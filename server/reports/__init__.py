"""Reports: the XLSX and DOCX writers and their signed downloads."""
