using System.Text.Encodings.Web;
using System.Text.Json;

namespace GenieHive.NodeAgent.Simulation;

internal static class SimulatedJson
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public const string JsonContentType = "application/json; charset=utf-8";
}
