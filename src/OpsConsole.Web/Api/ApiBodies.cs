using Microsoft.AspNetCore.Http.HttpResults;

namespace OpsConsole.Web.Api;

/// <summary>Optional JSON bodies of the action endpoints: none (or not JSON) reads as null, a malformed one is a 400 naming where it broke.</summary>
public static class ApiBodies
{
    public static async Task<(T? Body, ProblemHttpResult? Bad)> ReadAsync<T>(HttpContext http, CancellationToken ct) where T : class
    {
        if (http.Request.ContentLength is 0 || !http.Request.HasJsonContentType())
        {
            return (null, null);
        }

        try
        {
            return (await http.Request.ReadFromJsonAsync<T>(ct), null);
        }
        catch (System.Text.Json.JsonException ex)
        {
            // 400, as the framework's own binding and the webhook answer for a body that cannot be read (422 is for readable values that are wrong).
            return (null, TypedResults.Problem(
                title: "The body cannot be read",
                detail: $"The body is not valid: {ex.Message}",
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["field"] = ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body" }));
        }
    }
}
