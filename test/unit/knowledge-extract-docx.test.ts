import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractDocument, MAX_DOCX_UNZIPPED_BYTES } from '../../server/knowledge/extract/extract.js';
import { unzippedSize } from '../../server/knowledge/extract/zip-size.js';
import { docxFile } from '../../test/support/knowledge-documents.js';

const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('DOCX extraction (mammoth, then the HTML path)', () => {
  test('Word heading styles become headings; bold, lists and tables survive', async () => {
    const result = await extractDocument({ data: await docxFile(), fileName: 'returns.docx', contentType: DOCX_MIME });
    assert.equal(result.format, 'docx');
    assert.equal(result.title, 'Returns guide');
    assert.equal(result.markdown, [
      '# Returns guide',
      'Items can be returned within **30 days**.',
      '## Packing',
      '-   Use the original box.\n-   Include the receipt.',
      '## Costs',
      '| Region | Cost |\n| --- | --- |\n| EU | Free |',
    ].join('\n\n'));
  });

  test('recognised by its bytes even when uploaded as application/octet-stream without a name', async () => {
    const result = await extractDocument({ data: await docxFile(), contentType: 'application/octet-stream' });
    assert.equal(result.format, 'docx');
  });

  test('a ZIP that would unpack beyond the limit is too_large, without being unpacked', async () => {
    const bytes = Buffer.from(await docxFile());
    assert.ok(unzippedSize(bytes)! > 0 && unzippedSize(bytes)! < 1024 * 1024);
    // Declare a huge uncompressed size for the first entry of the central directory.
    const entry = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(MAX_DOCX_UNZIPPED_BYTES + 1, entry + 24);
    await assert.rejects(extractDocument({ data: bytes, fileName: 'bomb.docx' }), { reason: 'too_large' });
  });

  test('a damaged DOCX is corrupt_file', async () => {
    const bytes = await docxFile();
    // The end of the file (the central directory) cut off.
    await assert.rejects(extractDocument({ data: bytes.subarray(0, bytes.length - 200), fileName: 'cut.docx' }), { reason: 'corrupt_file' });
    // A ZIP that is not a Word document.
    await assert.rejects(extractDocument({ data: Buffer.from('PK\x03\x04not really a zip', 'latin1'), fileName: 'x.docx' }), { reason: 'corrupt_file' });
  });
});
