using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.External;

namespace OpsConsole.Web.Features.Identity.Account;

public static class AccountEndpoints
{
    /// <summary>Sign-out is a POST with an antiforgery token (a GET link, or a cross-site form, must not sign anyone out).</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/account/logout", async Task<IResult> (SignInManager<ConsoleUser> signIn, IAntiforgery antiforgery, HttpContext context) =>
        {
            // The antiforgery middleware only records the outcome; an endpoint without form binding must check it itself.
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.Problem(
                    title: "Missing or invalid antiforgery token",
                    detail: "Sign out from the console's own menu.",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            if (context.User.Identity?.IsAuthenticated == true)
            {
                try
                {
                    await context.RequestServices.GetRequiredService<Core.Audit.IAuditTrail>().RecordAsync(
                        new Core.Audit.AuditEntry(context.User, "identity.signout", "user", context.User.FindFirstValue(System.Security.Claims.ClaimTypes.NameIdentifier) ?? "*", Core.Audit.AuditOutcome.Succeeded));
                }
                catch (Core.Audit.AuditUnavailableException)
                {
                    // Signing out only ever reduces access, so it is never refused; the failure is in the log.
                }
            }

            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription(); // a browser form, not part of the API

        if (OidcAuthentication.IsConfigured(endpoints.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            MapExternalSignIn(endpoints);
        }

        return endpoints;
    }

    /// <summary>
    /// "Sign in with the provider": a POST (antiforgery) starts the authorization-code flow; the callback turns the
    /// provider's answer into a console session with the roles its claims map to at this sign-in.
    /// </summary>
    private static void MapExternalSignIn(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/account/external-login", async Task<IResult> (IAntiforgery antiforgery, HttpContext context) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.Problem(title: "Missing or invalid antiforgery token", detail: "Start from the sign-in page.",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            var form = await context.Request.ReadFormAsync();
            var returnUrl = IdentityRedirectManager.LocalOrRoot(form["returnUrl"].ToString());
            var properties = new AuthenticationProperties
            {
                RedirectUri = $"/account/external-callback?returnUrl={Uri.EscapeDataString(returnUrl)}",
            };
            return TypedResults.Challenge(properties, [OidcAuthentication.OidcScheme]);
        }).AllowAnonymous().DisableAntiforgery().RequireRateLimiting(ConsoleAuthentication.SignInRateLimitPolicy).ExcludeFromDescription();

        endpoints.MapGet("/account/external-callback", async Task<IResult> (
            string? returnUrl, HttpContext context, ExternalSignInService external, SignInManager<ConsoleUser> signIn) =>
        {
            var result = await context.AuthenticateAsync(IdentityConstants.ExternalScheme);
            await context.SignOutAsync(IdentityConstants.ExternalScheme);
            if (!result.Succeeded)
            {
                return TypedResults.LocalRedirect("/account/login?error=provider");
            }

            var outcome = await external.SignInAsync(result.Principal, context.RequestAborted);
            if (!outcome.Succeeded)
            {
                var code = outcome.Failure switch
                {
                    ExternalSignInFailure.NoConsoleRole => "no-role",
                    ExternalSignInFailure.NameTaken => "name-taken",
                    ExternalSignInFailure.Disabled => "disabled",
                    _ => "provider",
                };
                return TypedResults.LocalRedirect($"/account/login?error={code}");
            }

            await signIn.SignInAsync(outcome.User!, isPersistent: false, authenticationMethod: OidcAuthentication.OidcScheme);
            return TypedResults.LocalRedirect(IdentityRedirectManager.LocalOrRoot(returnUrl));
        }).AllowAnonymous().ExcludeFromDescription();
    }
}
