package riskstreams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON serdes on Jackson, the usual choice in Kafka Streams applications. Orders stay generic trees, as
 * JSON.parse gives on the TypeScript side, so every field of the input survives into the output.
 */
final class JsonSerdes {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonSerdes() {}

  static Serde<JsonNode> tree() {
    Serializer<JsonNode> serializer = (topic, node) -> node == null ? null : write(node);
    Deserializer<JsonNode> deserializer = (topic, bytes) -> {
      if (bytes == null) return null;
      try {
        return MAPPER.readTree(bytes);
      } catch (IOException e) {
        throw new SerializationException("not JSON: " + e.getMessage(), e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }

  static <T> Serde<T> of(Class<T> type) {
    Serializer<T> serializer = (topic, value) -> value == null ? null : write(value);
    Deserializer<T> deserializer = (topic, bytes) -> {
      if (bytes == null) return null;
      try {
        return MAPPER.readValue(bytes, type);
      } catch (IOException e) {
        throw new SerializationException("not a " + type.getSimpleName() + ": " + e.getMessage(), e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }

  private static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new SerializationException("cannot write JSON: " + e.getMessage(), e);
    }
  }
}
