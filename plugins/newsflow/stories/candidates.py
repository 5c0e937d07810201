"""Which stored articles could ever be linked to a new one by names, without comparing it with all.

When either article has no vector, :func:`~newsflow.stories.evidence.link` returns evidence only
for copies (the same ``cluster_id``, found by cluster) or with at least
:attr:`~newsflow.stories.evidence.Rule.fallback_shared` shared names, and
:func:`~newsflow.stories.evidence.shared_names` finds a shared name only in one of three ways:

1. a name both articles' extractors found (the same string in both ``entities``);
2. a name of the new article whose :func:`~newsflow.stories.evidence.name_key` the stored one
   mentions: ``" key "`` is in ``" run "`` for one of its runs. Every space of ``" run "`` is
   where ``run.split(" ")`` cuts, so that holds exactly when ``key`` is some consecutive tokens
   of ``run.split(" ")`` joined by spaces: every token of ``key.split(" ")`` is then a token of
   the stored article's runs;
3. a name of the stored article whose key the new one mentions: by the same argument, that key
   is one of the new article's runs' token n-grams, n being the key's token count.

So, with ``fallback_shared`` ≥ 1, a stored article that is no copy and reached by none of (1)
the names index, (2) the intersection of the run-token postings of a key's tokens, nor (3) the
key index looked up with each n-gram of the new article's runs, can never be linked to it:
:meth:`NameIndex.sharing` returns those it reaches (a superset: :func:`link` still decides). A key with a line break (none :func:`name_key` makes) could span
two runs of the joined haystack: then :meth:`NameIndex.sharing` gives up and says None
(compare with every article).

The index lives as long as its :class:`~newsflow.stories.threads.StoryStore` (one per process),
its :class:`Features` cached by ``fingerprint`` (a digest of all they are made of): a batch loads
only the ids, threads and fingerprints of its window and parses the rows it has not seen.
"""

from __future__ import annotations

from collections.abc import Iterable

from newsflow.stories.evidence import Features, name_key


def _tokens(feats: Features) -> set[str]:
    return {token for run in feats.mentions for token in run.split(" ")}


def _keys(feats: Features) -> set[str]:
    return {key for name in feats.entities if (key := name_key(name))}


class NameIndex:
    """Stored articles' :class:`Features` by ``doc_id`` (with the fingerprint they were made
    from) and three postings over them: names, name keys, run tokens."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, Features]] = {}
        self._names: dict[str, set[str]] = {}
        self._keys: dict[str, set[str]] = {}
        self._tokens: dict[str, set[str]] = {}
        self._longest = 0
        """The most tokens of a key indexed: no longer n-gram of a run can be a key."""

    def get(self, doc_id: str, fingerprint: str) -> Features | None:
        """The cached features of ``doc_id`` when made from ``fingerprint``, else None."""
        known = self.known.get(doc_id)
        return known[1] if known is not None and known[0] == fingerprint else None

    def add(self, fingerprint: str, feats: Features) -> None:
        """Cache and index ``feats`` (replacing what ``feats.doc_id`` had)."""
        self.drop(feats.doc_id)
        self.known[feats.doc_id] = (fingerprint, feats)
        for postings, terms in ((self._names, feats.entities), (self._keys, _keys(feats)),
                                (self._tokens, _tokens(feats))):
            for term in terms:
                postings.setdefault(term, set()).add(feats.doc_id)
        self._longest = max([self._longest, *(key.count(" ") + 1 for key in _keys(feats))])

    def drop(self, doc_id: str) -> None:
        known = self.known.pop(doc_id, None)
        if known is None:
            return
        feats = known[1]
        for postings, terms in ((self._names, feats.entities), (self._keys, _keys(feats)),
                                (self._tokens, _tokens(feats))):
            for term in terms:
                docs = postings.get(term)
                if docs is not None:
                    docs.discard(doc_id)
                    if not docs:
                        del postings[term]

    def keep_only(self, doc_ids: Iterable[str]) -> None:
        """Forget every article but ``doc_ids`` (the window moved on)."""
        keep = set(doc_ids)
        for doc_id in [d for d in self.known if d not in keep]:
            self.drop(doc_id)

    def sharing(self, mine: Features) -> set[str] | None:
        """The indexed articles that may share a name with ``mine`` (see the module docstring),
        or None when that cannot be told (compare with every one)."""
        found: set[str] = set()
        for name in mine.entities:
            found |= self._names.get(name, set())
            key = name_key(name)
            if not key:
                continue
            if "\n" in key:
                return None
            postings = [self._tokens.get(token) for token in key.split(" ")]
            if all(p is not None for p in postings):
                ordered = sorted((p for p in postings if p is not None), key=len)
                found |= ordered[0].intersection(*ordered[1:])
        for run in mine.mentions:
            tokens = run.split(" ")
            for i in range(len(tokens)):
                for j in range(i + 1, min(len(tokens), i + self._longest) + 1):
                    docs = self._keys.get(" ".join(tokens[i:j]))
                    if docs:
                        found |= docs
        return found
