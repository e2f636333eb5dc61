package connector.reader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlift.slice.Slice;
import io.airlift.slice.Slices;
import io.trino.filesystem.Location;
import io.trino.filesystem.TrinoInputFile;
import io.trino.filesystem.memory.MemoryInputFile;
import io.trino.hive.formats.line.Column;
import io.trino.hive.formats.line.LineBuffer;
import io.trino.hive.formats.line.LineDeserializer;
import io.trino.hive.formats.line.LineReader;
import io.trino.hive.formats.line.csv.CsvDeserializerFactory;
import io.trino.hive.formats.line.text.TextLineReaderFactory;
import io.trino.spi.Page;
import io.trino.spi.PageBuilder;
import io.trino.spi.block.Block;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static io.trino.spi.type.VarcharType.VARCHAR;

/**
 * Reads delivered objects with Trino's own Hive-format classes, wired as Trino's Hive connector wires
 * them for an OpenCSVSerde table over TextInputFormat (tests only).
 *
 * <p>Input (stdin): a JSON array of jobs, each {@code {"key", "path", "columns": [names],
 * "serde_library", "input_format", "serde_parameters": {}, "table_parameters": {}}}. The key names the
 * object (its extension picks the compression, as for a file in S3), the path holds its bytes.
 * Output (stdout): a JSON array, one entry per job: {@code {"rows": [[value or null, ...]]}} or
 * {@code {"error": "..."}}. Strings are written with every non-ASCII character escaped, so a lone
 * surrogate (Java strings may hold one) survives the trip.
 *
 * <p>The wiring, learnt from the Hive connector (not copied): the schema's properties are the SerDe
 * parameters with the table parameters laid over them; {@code skip.header.line.count} and
 * {@code skip.footer.line.count} come from those properties; a file under 8 MB is read into memory
 * first; an empty file has no rows; every CSV column is VARCHAR (open-source Trino refuses other
 * types for this SerDe); the line reader is {@code TextLineReaderFactory(1024, 1024, maxLineLength)}
 * with the connector's default 100 MB line limit.
 */
public final class TrinoReader
{
    private static final int MAX_LINE_LENGTH = 100 * 1024 * 1024;

    private TrinoReader() {}

    public static void main(String[] args)
            throws IOException
    {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode jobs = mapper.readTree(System.in);
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII));
        out.write('[');
        boolean first = true;
        for (JsonNode job : jobs) {
            if (!first) {
                out.write(',');
            }
            first = false;
            try {
                List<List<String>> rows = read(job);
                out.write("{\"rows\":[");
                for (int row = 0; row < rows.size(); row++) {
                    if (row > 0) {
                        out.write(',');
                    }
                    writeRow(out, rows.get(row));
                }
                out.write("]}");
            }
            catch (Exception e) {
                out.write("{\"error\":");
                writeString(out, e.getClass().getSimpleName() + ": " + describe(e));
                out.write('}');
            }
        }
        out.write(']');
        out.flush();
    }

    static List<List<String>> read(JsonNode job)
            throws IOException
    {
        Map<String, String> properties = new HashMap<>();
        putAll(properties, job.get("serde_parameters"));
        putAll(properties, job.get("table_parameters"));

        CsvDeserializerFactory deserializerFactory = new CsvDeserializerFactory();
        TextLineReaderFactory readerFactory = new TextLineReaderFactory(1024, 1024, MAX_LINE_LENGTH);
        String serdeLibrary = job.path("serde_library").asText();
        String inputFormat = job.path("input_format").asText();
        if (!deserializerFactory.getHiveSerDeClassNames().contains(serdeLibrary)) {
            throw new IllegalArgumentException("not a SerDe Trino's CSV reader serves: " + serdeLibrary);
        }
        if (!readerFactory.getHiveInputFormatClassNames().contains(inputFormat)) {
            throw new IllegalArgumentException("not an input format Trino's text reader serves: " + inputFormat);
        }

        List<Column> columns = new ArrayList<>();
        int ordinal = 0;
        for (JsonNode name : job.get("columns")) {
            columns.add(new Column(name.asText(), VARCHAR, ordinal++));
        }
        LineDeserializer deserializer = deserializerFactory.create(columns, properties);

        byte[] data = Files.readAllBytes(Path.of(job.get("path").asText()));
        Location location = Location.of("s3://bucket/" + job.get("key").asText());
        TrinoInputFile inputFile = new MemoryInputFile(location, Slices.wrappedBuffer(data));
        List<List<String>> rows = new ArrayList<>();
        long length = inputFile.length();
        if (length <= 0) {
            return rows;
        }
        int headerCount = count(properties, "skip.header.line.count");
        int footerCount = count(properties, "skip.footer.line.count");
        try (LineReader lineReader = readerFactory.createLineReader(inputFile, 0, length, headerCount, footerCount)) {
            if (lineReader.isClosed()) {
                return rows;
            }
            LineBuffer lineBuffer = readerFactory.createLineBuffer();
            PageBuilder pageBuilder = new PageBuilder(deserializer.getTypes());
            while (lineReader.readLine(lineBuffer)) {
                deserializer.deserialize(lineBuffer, pageBuilder);
                if (pageBuilder.isFull()) {
                    collect(pageBuilder, rows);
                }
            }
            collect(pageBuilder, rows);
        }
        return rows;
    }

    private static void collect(PageBuilder pageBuilder, List<List<String>> rows)
    {
        Page page = pageBuilder.build();
        for (int position = 0; position < page.getPositionCount(); position++) {
            List<String> row = new ArrayList<>(page.getChannelCount());
            for (int channel = 0; channel < page.getChannelCount(); channel++) {
                Block block = page.getBlock(channel);
                if (block.isNull(position)) {
                    row.add(null);
                }
                else {
                    Slice value = VARCHAR.getSlice(block, position);
                    row.add(value.toStringUtf8());
                }
            }
            rows.add(row);
        }
        pageBuilder.reset();
    }

    private static void putAll(Map<String, String> properties, JsonNode parameters)
    {
        if (parameters == null) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = parameters.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            properties.put(field.getKey(), field.getValue().asText());
        }
    }

    private static int count(Map<String, String> properties, String name)
    {
        String value = properties.get(name);
        return value == null ? 0 : Integer.parseInt(value.strip());
    }

    private static String describe(Throwable e)
    {
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            message.append(" (").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append(')');
        }
        return message.toString();
    }

    private static void writeRow(Writer out, List<String> row)
            throws IOException
    {
        out.write('[');
        for (int i = 0; i < row.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            String value = row.get(i);
            if (value == null) {
                out.write("null");
            }
            else {
                writeString(out, value);
            }
        }
        out.write(']');
    }

    private static void writeString(Writer out, String value)
            throws IOException
    {
        out.write('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.write('\\');
                out.write(c);
            }
            else if (c < 0x20 || c > 0x7e) {
                out.write(String.format("\\u%04x", (int) c));
            }
            else {
                out.write(c);
            }
        }
        out.write('"');
    }
}
