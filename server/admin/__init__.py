"""Administration without a shell: users and districts, disabling, password resets, district links, and the
roster import from the XLSX a bureau keeps."""
