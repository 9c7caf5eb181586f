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
            return (null, ApiProblem.Invalid(ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body", $"The body is not valid: {ex.Message}"));
        }
    }
}
