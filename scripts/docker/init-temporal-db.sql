-- Temporal's own role; auto-setup creates its databases (temporal, temporal_visibility).
CREATE ROLE temporal WITH LOGIN PASSWORD 'temporal' CREATEDB;
