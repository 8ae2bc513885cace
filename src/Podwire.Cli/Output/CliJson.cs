using System.Text.Json.Serialization;

namespace Podwire.Cli.Output;

[JsonSerializable(typeof(string))]
internal sealed partial class CliJson : JsonSerializerContext;
