-- Knowledge (issue #13): a workspace's sources (pasted text, uploaded files, web pages,
-- sitemaps), the documents (pages) each one yields, and the chunks that are searched.
-- Every table has workspace_id under the same FORCEd row-level security as the rest;
-- deleting a workspace, a source or a document deletes what hangs off it.
--
-- The embedding column (vector(1024), HNSW) is NOT created here: pgvector may be missing
-- on a PostgreSQL server, and a migration that fails would stop Parley from starting.
-- server/knowledge/vector-schema.ts adds it, idempotently, at every start (and a restore
-- does the same); without pgvector, search uses the full-text index alone.
--
-- Full text uses the 'english' configuration. Questions are searched as an OR of their
-- words (server/knowledge/retrieval.ts), and PostgreSQL's ranking has no inverse document
-- frequency: with 'simple', "how do I get a refund" would rank chunks by how often they
-- say "how", "do" and "i". English stop words and stemming ("refunds" = "refund") make the
-- lexical half of hybrid search useful for English content; for other languages it still
-- matches exact words (the same stemmer runs on both sides), and the multilingual
-- embeddings carry the meaning.

CREATE TABLE knowledge_sources (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  kind             text NOT NULL CHECK (kind IN ('text', 'file', 'url', 'sitemap')),
  title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  -- The page or sitemap address for url and sitemap sources.
  url              text CHECK (length(url) <= 2048),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
  -- Why the source as a whole failed (a page's own failure is on its document), for admins.
  error            text CHECK (length(error) <= 2000),
  -- Kept by the repository from the documents and chunks below, for listing without counting.
  document_count   integer NOT NULL DEFAULT 0 CHECK (document_count >= 0),
  failed_count     integer NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
  chunk_count      integer NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
  -- Progress of the sync under way: documents done of documents known (NULL: not known yet).
  progress_done    integer NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
  progress_total   integer CHECK (progress_total >= 0),
  last_synced_at   timestamptz,
  -- Re-sync every so many hours (NULL: by hand only); next_sync_at is when the next one is due.
  sync_interval_hours integer CHECK (sync_interval_hours BETWEEN 1 AND 8760),
  next_sync_at     timestamptz,
  -- Uploads: as the browser named and typed the file, and its size in bytes.
  file_name        text CHECK (length(file_name) <= 255),
  file_mime        text CHECK (length(file_mime) <= 255),
  file_size        bigint CHECK (file_size >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id),
  CHECK ((kind IN ('url', 'sitemap')) = (url IS NOT NULL)),
  CHECK ((kind = 'file') = (file_name IS NOT NULL))
);
CREATE INDEX knowledge_sources_workspace_idx ON knowledge_sources (workspace_id, created_at DESC);
CREATE INDEX knowledge_sources_due_idx ON knowledge_sources (next_sync_at) WHERE next_sync_at IS NOT NULL;

-- An uploaded file's bytes, kept apart so listing sources never reads them, and in the
-- database so that whichever instance runs the extraction job finds them.
CREATE TABLE knowledge_files (
  source_id     uuid PRIMARY KEY,
  workspace_id  uuid NOT NULL,
  data          bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (workspace_id, source_id) REFERENCES knowledge_sources (workspace_id, id) ON DELETE CASCADE
);

-- What a source yields: one document for text and files, one per page for web sources.
CREATE TABLE knowledge_documents (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id   uuid NOT NULL,
  source_id      uuid NOT NULL,
  url            text CHECK (length(url) <= 2048),
  title          text NOT NULL DEFAULT '' CHECK (length(title) <= 500),
  -- Validators of the last fetch, sent back on re-sync (If-None-Match, If-Modified-Since).
  etag           text CHECK (length(etag) <= 512),
  last_modified  text CHECK (length(last_modified) <= 100),
  -- SHA-256 of the content last extracted: an unchanged page is not chunked or embedded again.
  content_hash   bytea CHECK (length(content_hash) = 32),
  -- The extracted Markdown the chunks were made from (pasted text is stored here).
  markdown       text,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
  -- One sentence for admins on why this page failed (robots.txt, HTTP 404, not HTML, …).
  error          text CHECK (length(error) <= 2000),
  chunk_count    integer NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
  fetched_at     timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, source_id) REFERENCES knowledge_sources (workspace_id, id) ON DELETE CASCADE
);
-- One document per address within a source; the url-less document of a text or file source is ''.
CREATE UNIQUE INDEX knowledge_documents_url_key ON knowledge_documents (source_id, (coalesce(url, '')));

CREATE TABLE knowledge_chunks (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id    uuid NOT NULL,
  source_id       uuid NOT NULL,
  document_id     uuid NOT NULL,
  -- 0-based order within the document.
  position        integer NOT NULL CHECK (position >= 0),
  -- The headings above the chunk, joined by ' > ' ("Billing > Refunds"); '' before any heading.
  heading_path    text NOT NULL DEFAULT '' CHECK (length(heading_path) <= 2000),
  title           text NOT NULL DEFAULT '' CHECK (length(title) <= 500),
  -- Where a citation links: the page, or the PDF page (#page=N).
  url             text CHECK (length(url) <= 2100),
  page            integer CHECK (page >= 1),
  content         text NOT NULL CHECK (length(content) BETWEEN 1 AND 50000),
  -- SHA-256 of the text that is embedded (title, heading path and content): a chunk whose
  -- hash is already embedded in the workspace is never sent to the provider again.
  content_hash    bytea NOT NULL CHECK (length(content_hash) = 32),
  token_estimate  integer NOT NULL CHECK (token_estimate >= 0),
  -- Which model made the embedding (when there is one): vectors of two models do not compare.
  embedding_model text CHECK (length(embedding_model) <= 100),
  -- Heading path weighs most, then the title, then the text.
  tsv             tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, heading_path), 'A')
                    || setweight(to_tsvector('english'::regconfig, title), 'B')
                    || setweight(to_tsvector('english'::regconfig, content), 'D')
                  ) STORED,
  created_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (workspace_id, source_id) REFERENCES knowledge_sources (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, document_id) REFERENCES knowledge_documents (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX knowledge_chunks_document_idx ON knowledge_chunks (document_id, position);
CREATE INDEX knowledge_chunks_source_idx ON knowledge_chunks (source_id);
CREATE INDEX knowledge_chunks_hash_idx ON knowledge_chunks (workspace_id, content_hash);
CREATE INDEX knowledge_chunks_tsv_idx ON knowledge_chunks USING gin (tsv);

-- How a workspace's assistant uses its knowledge. Defaults keep today's behaviour for a
-- workspace that has added nothing: answer also from general knowledge.
ALTER TABLE widget_settings
  ADD COLUMN knowledge_strictness text NOT NULL DEFAULT 'sources_and_general'
    CHECK (knowledge_strictness IN ('sources_only', 'sources_and_general')),
  -- What the assistant says, under sources_only, when the sources do not have the answer.
  ADD COLUMN knowledge_unknown_answer text NOT NULL
    DEFAULT 'Sorry, I could not find the answer to that in our documentation.'
    CHECK (length(knowledge_unknown_answer) BETWEEN 1 AND 1000),
  -- Whether scanned PDFs and images may be sent to Mistral OCR.
  ADD COLUMN knowledge_allow_ocr boolean NOT NULL DEFAULT false;

ALTER TABLE knowledge_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_sources FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON knowledge_sources
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE knowledge_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON knowledge_files
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE knowledge_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON knowledge_documents
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE knowledge_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON knowledge_chunks
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- Scheduled re-syncs find the sources that are due across workspaces before any tenant is
-- known: with app.job = 'knowledge_sync' set transaction-locally (listDueSources() in
-- server/knowledge/knowledge-sync-view.ts), the sources rows of every workspace show,
-- read-only, and no other table's. Each sync then runs in withTenant. Tenant code cannot
-- set app.* (server/db/tenant.ts).
CREATE POLICY knowledge_sync_read ON knowledge_sources FOR SELECT
  USING (current_setting('app.job', true) = 'knowledge_sync');

GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_sources, knowledge_files, knowledge_documents, knowledge_chunks TO parley_app;
