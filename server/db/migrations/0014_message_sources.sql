-- Grounded replies (issue #13): the sources a reply cites, kept with it so the history
-- shows them again ([{"id","title","url"}], server/knowledge/grounding/message-sources.ts).
-- NULL for replies that used no knowledge and for visitors' messages.
ALTER TABLE messages
  ADD COLUMN sources jsonb CHECK (jsonb_typeof(sources) = 'array' AND jsonb_array_length(sources) <= 20);

-- Every instance's widget settings cache (server/widget-session/widget-settings-cache.ts)
-- also holds whether the workspace has knowledge to search (a source with chunks): a
-- message to a workspace without any takes the chat path as before, with no retrieval.
-- A source notifies parley_settings (migration 0012) only when that can change: chunks
-- appear or all go, or a source with chunks is deleted. Progress updates notify nothing.
CREATE FUNCTION parley_notify_knowledge_changed() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('parley_settings', OLD.workspace_id::text);
  ELSE
    PERFORM pg_notify('parley_settings', NEW.workspace_id::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER knowledge_changed AFTER INSERT ON knowledge_sources
  FOR EACH ROW WHEN (NEW.chunk_count > 0) EXECUTE FUNCTION parley_notify_knowledge_changed();
CREATE TRIGGER knowledge_changed_update AFTER UPDATE OF chunk_count ON knowledge_sources
  FOR EACH ROW WHEN ((OLD.chunk_count > 0) IS DISTINCT FROM (NEW.chunk_count > 0)) EXECUTE FUNCTION parley_notify_knowledge_changed();
CREATE TRIGGER knowledge_changed_delete AFTER DELETE ON knowledge_sources
  FOR EACH ROW WHEN (OLD.chunk_count > 0) EXECUTE FUNCTION parley_notify_knowledge_changed();

REVOKE ALL ON FUNCTION parley_notify_knowledge_changed() FROM PUBLIC;
