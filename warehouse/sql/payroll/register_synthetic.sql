-- A synthetic body seen for the first time. $1 code, $2 name, $3 kind, $4 level, $5 peer group.
INSERT INTO core.bodies (body_code, name_en, kind, level, peer_group, pilot, pilot_start_year, synthetic)
VALUES ($1, $2, $3, $4, $5, false, NULL, true);
