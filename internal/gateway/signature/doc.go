// Package signature verifies, and makes, the signatures of Alibaba Cloud
// RPC and ROA requests: V1 (HMAC-SHA1, the Signature parameter) and V3
// (ACS3-HMAC-SHA256, the Authorization header), exactly as the official
// SDKs compute them (reference/ram-sts.md §6.2–§6.6).
//
// It is pure: no HTTP server, no storage, no clock, no globals. The gateway
// describes a received request as a Request, and
//
//	s, err := signature.Authenticate(req, now, func(s *signature.Signed) (string, error) {
//		return keys.Secret(s.AccessKeyID, s.SecurityToken) // or InvalidAccessKeyId.NotFound
//	})
//
// returns who signed it (s.AccessKeyID, s.SecurityToken), the API it calls
// (s.Action, s.Version) and its parameters, or the error to send. The steps
// are also available one by one: Detect (which scheme, for dispatching),
// Parse (everything but the signature), Signed.CheckTime (the 15-minute
// window) and Signed.Verify (the HMAC, compared in constant time). The
// nonce is left to the replay guard, after verification.
//
// SignV1 and SignV3 sign a Request the way the monolithic SDK and
// darabonba do, for tests and for localyun's own clients.
//
// # Errors
//
// Every refusal is an *Error carrying the Alibaba code, the HTTP status and
// the message to send unchanged. Messages never contain a secret or the
// received signature, and quote at most 64 bytes of any client-supplied
// value. Codes, all with status 400:
//
//	Code                     When
//	Missing<Param>           V1: a mandatory parameter is absent or empty: MissingSignature,
//	                         MissingAccessKeyId, MissingSignatureMethod, MissingSignatureVersion,
//	                         MissingSignatureNonce, MissingTimestamp, MissingAction, MissingVersion.
//	                         "<Param> is mandatory for this action." MissingSignature also when
//	                         the request carries no signature at all.
//	MissingParameter         V3: a mandatory header (host, x-acs-action, x-acs-version, x-acs-date,
//	                         x-acs-signature-nonce, x-acs-content-sha256) is absent or empty.
//	                         `The input parameter "X" that is mandatory for processing this
//	                         request is not supplied.`
//	InvalidParameter         a parameter given twice (twice in the query, or in the query and the
//	                         form body); a header this package reads given twice; Action or Version
//	                         disagreeing with x-acs-action or x-acs-version; a malformed query or
//	                         form body; a nonce longer than MaxNonceLength; a V1 SignatureType
//	                         other than empty (bearer tokens are not supported).
//	InvalidTimeStamp.Format  Timestamp / x-acs-date is not yyyy-MM-ddTHH:mm:ssZ in UTC
//	                         (fractional seconds after ss are accepted).
//	                         "Specified time stamp or date value is not well formatted. ..."
//	InvalidTimeStamp.Expired more than the window (15 minutes) from the server's clock, either way.
//	                         "Specified time stamp or date value is expired."
//	InvalidSignatureMethod   V1 SignatureMethod other than HMAC-SHA1; a V3 algorithm other than
//	                         ACS3-HMAC-SHA256 (ACS3-HMAC-SM3, ACS3-RSA-SHA256).
//	InvalidSignatureVersion  V1 SignatureVersion other than 1.0.
//	IncompleteSignature      a malformed V3 Authorization header (fields, Credential, hex
//	                         Signature, SignedHeaders not lower case and sorted); SignedHeaders
//	                         missing a mandatory header, x-acs-security-token or
//	                         x-acs-accesskey-id when sent, or content-type when there is a body;
//	                         a signed header absent from the request; x-acs-accesskey-id not the
//	                         Credential; an Authorization header of another scheme and no
//	                         Signature parameter. "The request signature does not conform to
//	                         Aliyun standards. ..."
//	ContentSHA256NotMatched  V3 x-acs-content-sha256 is not the hex SHA-256 of the body.
//	SignatureDoesNotMatch    the signature is not the one computed with the secret.
//	                         "Specified signature is not matched with our calculation. server
//	                         string to sign is:<StringToSign>"; the monolithic SDK splits on
//	                         "server string to sign is:".
//
// The texts of MissingParameter, MissingTimestamp (the other Missing<Param>
// codes follow it), InvalidTimeStamp.Expired, IncompleteSignature (its
// first sentence) and SignatureDoesNotMatch are the real service's, as seen
// in the SDKs' tests and in users' reports; the other texts, and the codes
// InvalidSignatureVersion and ContentSHA256NotMatched, are localyun's,
// since the reference does not record them.
//
// # Choices where the SDKs and the documentation leave room
//
//   - V1 takes Action and Version only from the signed parameters. The
//     x-acs-action and x-acs-version headers the SDKs also send are not
//     signed in V1, so they may only repeat the parameters.
//   - V3 canonical query names are percent-encoded like values (the
//     documented rule). The Go darabonba code leaves names raw; for the
//     names Alibaba APIs use (letters, digits, "." "_" "-") both agree, and
//     raw names would let two different queries share a canonical form.
//   - V3 signs the path as received on the wire (the SDK signs the pathname
//     it sends), with the SDK's +→%20, *→%2A, %7E→~ replacements.
//   - Duplicate parameters are refused rather than resolved, so the
//     signature and the handler can never see different values.
package signature
