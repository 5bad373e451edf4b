"""The array postings format: Whoosh's W3 codec with postings and terms stored as arrays.

``ArrayCodec`` writes each field's postings as arrays in term order (documents, frequencies,
positions) and its terms as one sorted table; ``ArrayTermsReader`` serves them to Whoosh and,
as arrays, to numpy ranking (``terms_reader``). ``BulkSegmentWriter`` writes a whole segment
at once; ``merge`` merges segments with array operations; ``spans`` stores where each syllable
sits in the text, for snippets.
"""

from indexer.codec.postings import ArrayCodec, ArrayTermsReader, terms_reader, uses_array_codec
from indexer.codec.segment_writer import BulkSegmentWriter

__all__ = [
    "ArrayCodec",
    "ArrayTermsReader",
    "BulkSegmentWriter",
    "terms_reader",
    "uses_array_codec",
]
