"""The match engine: which source records are the same supplier, product or location.

Pure Python over match-key dicts (no ORM): keys -> blocking -> comparisons -> Fellegi-Sunter
scores with per-field contributions -> chaining-resistant assignment to golden records.
"""
from mdm.matching.blocking import blocking_keys
from mdm.matching.cluster import Assignment, assign
from mdm.matching.config import Thresholds, entity_config
from mdm.matching.engine import BulkAssignment, cluster_bulk, cluster_scored, load_blocks, match_record, score_shard
from mdm.matching.keys import match_keys
from mdm.matching.model import MatchModel, ScoredPair, decide, decide_pair, default_model, estimate

__all__ = [
    "Assignment", "BulkAssignment", "MatchModel", "ScoredPair", "Thresholds", "assign", "blocking_keys",
    "cluster_bulk", "cluster_scored", "decide", "decide_pair", "default_model", "entity_config", "estimate",
    "load_blocks", "match_keys", "match_record", "score_shard",
]
