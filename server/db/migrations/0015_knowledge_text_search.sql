-- The full-text half of retrieval (server/knowledge/retrieval.ts), as a function.
--
-- Under row-level security the GIN index on knowledge_chunks.tsv cannot serve a search:
-- @@ is not leakproof, so the planner must apply the tenant policy first and then test
-- @@ on every chunk of the workspace (about 1.4 µs a chunk: 140 ms at 100,000 chunks).
-- This function runs as the schema owner and keeps to the transaction's tenant itself
-- (app.tenant_id, which only withTenant sets: server/db/tenant.ts), never a workspace
-- passed in. Where the owner is exempt from row security (a superuser, as on PGlite and
-- many self-hosted servers, or a role with BYPASSRLS) the index answers; elsewhere the
-- forced policy still applies and the search scans as before. Either way it sees no
-- other workspace's chunks, and none at all outside a tenant transaction.
--
-- The question becomes an OR of its stemmed words, stop words dropped: a question's words
-- are rarely all in one passage, so AND (plainto_tsquery, websearch_to_tsquery) would
-- find little. Lexemes are quoted for the tsquery parser, not normalised a second time.
CREATE FUNCTION parley_knowledge_text_search(question text, max_rows integer)
  RETURNS TABLE (id uuid, rank real)
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = public, pg_temp
AS $$
DECLARE
  tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  tsq tsquery;
BEGIN
  IF tenant IS NULL OR max_rows < 1 THEN
    RETURN;
  END IF;
  SELECT string_agg('''' || replace(replace(l, '\', '\\'), '''', '\''') || '''', ' | ')::tsquery INTO tsq
    FROM unnest(tsvector_to_array(to_tsvector('english'::regconfig, left(question, 10000)))) AS l;
  IF tsq IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT c.id, ts_rank(c.tsv, tsq, 1)
      FROM knowledge_chunks c
     WHERE c.workspace_id = tenant AND c.tsv @@ tsq
     ORDER BY 2 DESC, c.id
     LIMIT least(max_rows, 200);
END $$;

REVOKE ALL ON FUNCTION parley_knowledge_text_search(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION parley_knowledge_text_search(text, integer) TO parley_app;
