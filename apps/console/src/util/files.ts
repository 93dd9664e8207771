/**
 * A file's bytes as standard base64, for the API's JSON bodies (`contentBase64`). Built in slices:
 * `String.fromCharCode` takes a bounded number of arguments.
 */
export async function fileBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
