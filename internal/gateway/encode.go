package gateway

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
)

// Content types as the SDKs expect them: darabonba reads an error body as
// XML only when the type is exactly text/xml;charset=utf-8.
const (
	contentJSON = "application/json;charset=utf-8"
	contentXML  = "text/xml;charset=utf-8"
)

// errorBody is the RPC error body (reference/ram-sts.md §6.8).
type errorBody struct {
	RequestID          string              `json:"RequestId"`
	HostID             string              `json:"HostId"`
	Code               string              `json:"Code"`
	Message            string              `json:"Message"`
	Recommend          string              `json:"Recommend,omitempty"`
	AccessDeniedDetail *accessDeniedDetail `json:"AccessDeniedDetail,omitempty"`
	// ROA products (Hologres) also carry the error as ErrorCode and
	// ErrorMessage, with HttpStatusCode and Success, which their clients
	// read.
	ErrorCode      string `json:"ErrorCode,omitempty"`
	ErrorMessage   string `json:"ErrorMessage,omitempty"`
	HTTPStatusCode string `json:"HttpStatusCode,omitempty"`
	Success        *bool  `json:"Success,omitempty"`
}

// roa adds the ROA members of an error body.
func (b errorBody) roa(status int) errorBody {
	f := false
	b.ErrorCode, b.ErrorMessage, b.HTTPStatusCode, b.Success = b.Code, b.Message, fmt.Sprint(status), &f
	return b
}

type accessDeniedDetail struct {
	AuthAction               string `json:"AuthAction"`
	AuthPrincipalType        string `json:"AuthPrincipalType"`
	AuthPrincipalOwnerID     string `json:"AuthPrincipalOwnerId"`
	AuthPrincipalDisplayName string `json:"AuthPrincipalDisplayName"`
	PolicyType               string `json:"PolicyType"`
	NoPermissionType         string `json:"NoPermissionType"`
	EncodedDiagnosticMessage string `json:"EncodedDiagnosticMessage,omitempty"`
}

func newErrorBody(requestID, host string, e *apierr.Error) errorBody {
	b := errorBody{RequestID: requestID, HostID: host, Code: e.Code, Message: e.Message, Recommend: e.Recommend}
	if d := e.Denied; d != nil {
		b.AccessDeniedDetail = &accessDeniedDetail{
			AuthAction:               d.AuthAction,
			AuthPrincipalType:        d.AuthPrincipalType,
			AuthPrincipalOwnerID:     d.AuthPrincipalOwnerID,
			AuthPrincipalDisplayName: d.AuthPrincipalDisplay,
			PolicyType:               d.PolicyType,
			NoPermissionType:         d.NoPermissionType,
			EncodedDiagnosticMessage: d.DecidingStatementText,
		}
	}
	return b
}

// writeBody writes v as JSON, or as XML under root when xmlFormat.
func writeBody(w http.ResponseWriter, status int, xmlFormat bool, root string, v any) {
	var body []byte
	var err error
	if xmlFormat {
		body, err = toXML(root, v)
		w.Header().Set("Content-Type", contentXML)
	} else {
		if m, ok := v.(requestIDFirst); ok {
			// Byte for byte what json.Marshal(v) gives, without its second
			// pass that re-validates and compacts MarshalJSON's output.
			body, err = m.MarshalJSON()
		} else {
			body, err = json.Marshal(v)
		}
		w.Header().Set("Content-Type", contentJSON)
	}
	if err != nil {
		// Response values are built by handlers from plain data; failing
		// to encode one is a bug, reported as such.
		status = http.StatusInternalServerError
		body = []byte(`{"Code":"InternalError","Message":"An internal error occurred."}`)
		w.Header().Set("Content-Type", contentJSON)
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client went away: nothing to do
}

// toXML renders v, by way of its JSON form, as Alibaba's RPC XML: objects
// become child elements in field order, and a list under key K becomes
// repeated <K> elements, so {"Roles":{"Role":[a,b]}} is
// <Roles><Role>a</Role><Role>b</Role></Roles>.
func toXML(root string, v any) ([]byte, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xmlValue(&b, dec, root); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// xmlValue writes the next JSON value as element name.
func xmlValue(b *bytes.Buffer, dec *json.Decoder, name string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			fmt.Fprintf(b, "<%s>", name)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				if err := xmlMember(b, dec, key); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // '}'
				return err
			}
			fmt.Fprintf(b, "</%s>", name)
		case '[':
			for dec.More() {
				if err := xmlValue(b, dec, name); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // ']'
				return err
			}
		}
	case nil:
		fmt.Fprintf(b, "<%s/>", name)
	default:
		fmt.Fprintf(b, "<%s>", name)
		if err := xml.EscapeText(b, []byte(fmt.Sprint(t))); err != nil {
			return err
		}
		fmt.Fprintf(b, "</%s>", name)
	}
	return nil
}

// xmlMember writes one object member; arrays repeat the member's name.
func xmlMember(b *bytes.Buffer, dec *json.Decoder, key string) error {
	return xmlValue(b, dec, key)
}

// wantsXML reports whether the client asked for XML (Format=XML, any case).
func wantsXML(format string) bool { return strings.EqualFold(format, "XML") }
