"""Former name of :mod:`extractors.reading` (the ``reading`` extractor); imports only, registers nothing."""

from extractors.reading import WORDS_PER_MINUTE, count_words, measure, reading_time

__all__ = ["WORDS_PER_MINUTE", "count_words", "measure", "reading_time"]
