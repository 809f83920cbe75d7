"""The Fluent files, ``<language>/*.ftl``; a package so that an installed wheel carries them."""
