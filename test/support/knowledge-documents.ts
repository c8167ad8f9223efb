// Documents made by the tests themselves: a PDF with a text layer, a "scanned" PDF (one picture,
// no text), a PNG, a DOCX with Word heading styles and a table.
import { deflateSync, crc32 } from 'node:zlib';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A PDF with a real text layer: a title, section headings in larger type, body text, three pages. */
export async function textPdf(options: { pages?: number; title?: string } = {}): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  if (options.title) pdf.setTitle(options.title);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const pages = options.pages ?? 3;
  for (let n = 1; n <= pages; n++) {
    const page = pdf.addPage([595, 842]);
    let y = 780;
    const line = (text: string, size: number, font = regular, gap = size * 1.3) => {
      page.drawText(text, { x: 56, y, size, font });
      y -= gap;
    };
    if (n === 1) line('Acme Handbook', 26, bold, 48);
    line(`Chapter ${n}: ${['Refunds', 'Shipping', 'Accounts', 'Privacy', 'Support'][(n - 1) % 5]}`, 18, bold, 30);
    line(`Paragraph one of chapter ${n} starts here and it runs on`, 11);
    line('across a second line of the same paragraph.', 11, regular, 30);
    line(`A second paragraph of chapter ${n}: customers ask for a refund`, 11);
    line('within thirty days of purchase.', 11, regular, 30);
    // A running footer with the page number, on every page: not content.
    page.drawText('Acme Handbook, confidential', { x: 56, y: 40, size: 8, font: regular });
    page.drawText(String(n), { x: 500, y: 40, size: 8, font: regular });
  }
  return pdf.save();
}

/** A PDF whose only page is a picture: what a scanner produces. No text layer at all. */
export async function scannedPdf(pages = 1): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const image = await pdf.embedPng(png(40, 20));
  for (let n = 0; n < pages; n++) pdf.addPage([595, 842]).drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  return pdf.save();
}

/** A small grey-striped PNG (8-bit greyscale). */
export function png(width: number, height: number): Uint8Array {
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows[y * (width + 1) + 1 + x] = y % 4 < 2 ? 40 : 220;
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A Word document: Heading 1 and 2 styles, paragraphs, a bulleted list and a table. */
export async function docxFile(): Promise<Uint8Array> {
  const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
  const document = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: 'Returns guide', heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ children: [new TextRun('Items can be returned within '), new TextRun({ text: '30 days', bold: true }), new TextRun('.')] }),
          new Paragraph({ text: 'Packing', heading: HeadingLevel.HEADING_2 }),
          new Paragraph({ text: 'Use the original box.', bullet: { level: 0 } }),
          new Paragraph({ text: 'Include the receipt.', bullet: { level: 0 } }),
          new Paragraph({ text: 'Costs', heading: HeadingLevel.HEADING_2 }),
          new Table({ rows: [new TableRow({ children: [cell('Region'), cell('Cost')] }), new TableRow({ children: [cell('EU'), cell('Free')] })] }),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}
