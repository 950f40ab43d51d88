"""Where the workspace lives on disk: the store (journal, lock, fold, undo) and the doctor that checks and restores it."""
