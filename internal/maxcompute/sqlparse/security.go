package sqlparse

import (
	"strings"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// Security statements, reference/maxcompute.md §2.2.

const principalForms = "a principal: ALIYUN$<uid>, RAM$<owner>:<user> or `RAM$<owner>:role/<role>`"

// isPrincipalByte is a character of a bare principal.
func isPrincipalByte(c byte) bool {
	return isWordByte(c) || c == '$' || c == ':' || c == '@' || c == '.' || c == '-'
}

// principal reads ALIYUN$... or RAM$..., bare or in backticks. A bare
// principal is scanned from the raw text, since '$', ':', '@', '.' and '-'
// are not word characters.
func (p *parser) principal() sqlast.Principal {
	t := p.tok
	pr := sqlast.Principal{Node: p.node()}
	switch {
	case t.kind == tQuoted:
		pr.Text = t.val
		p.checkPrincipal(t.pos, pr.Text)
		p.next()
		return pr
	case t.kind == tWord && t.end < len(p.src) && p.src[t.end] == '$':
		i := t.pos.off
		for i < len(p.src) && isPrincipalByte(p.src[i]) && !strings.HasPrefix(p.src[i:], "--") {
			i++
		}
		pr.Text = p.src[t.pos.off:i]
		if i < len(p.src) && p.src[i] == '/' {
			j := i
			for j < len(p.src) && (isPrincipalByte(p.src[j]) || p.src[j] == '/') {
				j++
			}
			whole := p.src[t.pos.off:j]
			panic(p.errAt(t.pos, "invalid principal '%s': a principal that contains '/' must be quoted in backticks: `%s`", clip(whole), clip(whole)))
		}
		p.checkPrincipal(t.pos, pr.Text)
		p.resume(cursor{off: i, line: t.pos.line, col: t.pos.col + i - t.pos.off})
		return pr
	}
	panic(p.errExpect(principalForms))
}

func (p *parser) checkPrincipal(at cursor, text string) {
	provider, name, ok := strings.Cut(text, "$")
	switch {
	case !ok:
		panic(p.errAt(at, "invalid principal '%s', expect %s", clip(text), principalForms))
	case !strings.EqualFold(provider, "ALIYUN") && !strings.EqualFold(provider, "RAM"):
		panic(p.errAt(at, "invalid principal '%s': the account provider must be ALIYUN or RAM", clip(text)))
	case name == "":
		panic(p.errAt(at, "invalid principal '%s': no name after '$'", clip(text)))
	}
}

// addRemove is add|remove user <p> and add|remove accountprovider <name>.
func (p *parser) addRemove() sqlast.Statement {
	n := p.node()
	add := p.isWord("ADD")
	p.next()
	switch {
	case p.acceptWord("USER"):
		pr := p.principal()
		if !add {
			return &sqlast.RemoveUser{Node: n, Principal: pr}
		}
		u := &sqlast.AddUser{Node: n, Principal: pr}
		if p.acceptWord("COMMENT") {
			u.Comment = p.stringLit("a comment string")
		}
		return u
	case p.acceptWord("ACCOUNTPROVIDER"):
		op := "remove"
		if add {
			op = "add"
		}
		return &sqlast.AccountProvider{Node: n, Op: op, Provider: p.provider()}
	}
	panic(p.errExpect("'USER' or 'ACCOUNTPROVIDER'"))
}

func (p *parser) provider() string {
	if p.tok.kind != tWord {
		panic(p.errExpect("an account provider: ALIYUN or RAM"))
	}
	name := strings.ToUpper(p.tok.text)
	if name != "ALIYUN" && name != "RAM" {
		panic(p.errAt(p.tok.pos, "unsupported account provider '%s', expect ALIYUN or RAM", clip(p.tok.text)))
	}
	p.next()
	return name
}

// list is list users|roles|accountproviders.
func (p *parser) list() sqlast.Statement {
	n := p.node()
	p.next()
	switch {
	case p.acceptWord("USERS"):
		return &sqlast.ListUsers{Node: n}
	case p.acceptWord("ROLES"):
		return &sqlast.ListRoles{Node: n}
	case p.acceptWord("ACCOUNTPROVIDERS"):
		return &sqlast.AccountProvider{Node: n, Op: "list"}
	}
	panic(p.errExpect("one of 'USERS', 'ROLES', 'ACCOUNTPROVIDERS'"))
}

// property is one privilegeproperties entry with the position of its key.
type property struct {
	sqlast.Property
	at cursor
}

// properties reads privilegeproperties("k"="v", ...), keys lower-cased,
// each key in allowed and given once.
func (p *parser) properties(allowed ...string) []property {
	p.expectWord("PRIVILEGEPROPERTIES")
	p.expectOp("(")
	var props []property
	for {
		at := p.tok.pos
		key := strings.ToLower(p.stringLit("a property name in quotes"))
		known := false
		for _, a := range allowed {
			known = known || key == a
		}
		if !known {
			panic(p.errAt(at, "unsupported privilege property '%s', expect one of '%s'", clip(key), strings.Join(allowed, "', '")))
		}
		for _, q := range props {
			if q.Key == key {
				panic(p.errAt(at, "privilege property '%s' given twice", clip(key)))
			}
		}
		p.expectOp("=")
		props = append(props, property{sqlast.Property{Key: key, Value: p.stringLit("a property value in quotes")}, at})
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return props
}

// grant is grant/revoke of roles or of privileges; the two differ only
// after the list of names: ON starts privileges, TO/FROM ends roles.
func (p *parser) grant() sqlast.Statement {
	n := p.node()
	revoke := p.isWord("REVOKE")
	p.next()
	link := "TO"
	if revoke {
		link = "FROM"
	}
	var names []token
	for {
		if p.tok.kind != tWord && p.tok.kind != tQuoted {
			panic(p.errExpect("a privilege or role name"))
		}
		names = append(names, p.tok)
		p.next()
		if !p.acceptOp(",") {
			break
		}
	}
	if p.isWord("ON") {
		return p.grantPrivileges(n, revoke, names)
	}
	if !p.isWord(link) {
		panic(p.errExpect("'ON' or '" + link + "'"))
	}
	roles := make([]sqlast.Ident, len(names))
	for i, t := range names {
		if !isName(&t) {
			// "grant Select to ...": a privilege without its object.
			panic(p.errExpect("'ON'"))
		}
		roles[i] = sqlast.Ident{Node: sqlast.Node{P: t.pos.pos()}, Name: t.val, Quoted: t.kind == tQuoted}
	}
	p.next()
	if p.isWord("USER") || p.isWord("ROLE") {
		panic(p.errAt(p.tok.pos, "invalid token '%s': roles are granted with grant <role> %s <principal>, without USER or ROLE",
			p.tok.text, strings.ToLower(link)))
	}
	pr := p.principal()
	if revoke {
		return &sqlast.RevokeRoles{Node: n, Roles: roles, Principal: pr}
	}
	return &sqlast.GrantRoles{Node: n, Roles: roles, Principal: pr}
}

func (p *parser) grantPrivileges(n sqlast.Node, revoke bool, names []token) sqlast.Statement {
	g := &sqlast.GrantPrivileges{Node: n, Revoke: revoke}
	for _, t := range names {
		g.Actions = append(g.Actions, sqlast.Ident{Node: sqlast.Node{P: t.pos.pos()}, Name: t.val, Quoted: t.kind == tQuoted})
	}
	p.expectWord("ON")
	g.ObjectType = p.objectType()
	g.ObjectName = p.objectName()
	if revoke {
		p.expectWord("FROM")
	} else {
		p.expectWord("TO")
	}
	switch {
	case p.acceptWord("USER"):
		pr := p.principal()
		g.Grantee.Principal = &pr
	case p.acceptWord("ROLE"):
		r := p.ident("a role name")
		g.Grantee.Role = &r
	default:
		panic(p.errExpect("'USER' or 'ROLE'"))
	}
	if p.isWord("PRIVILEGEPROPERTIES") {
		for _, q := range p.properties("policy", "allow", "conditions", "expires") {
			switch q.Key {
			case "policy", "allow":
				if !strings.EqualFold(q.Value, "true") && !strings.EqualFold(q.Value, "false") {
					panic(p.errAt(q.at, "privilege property '%s' is '%s', expect 'true' or 'false'", q.Key, clip(q.Value)))
				}
				if q.Key == "policy" && strings.EqualFold(q.Value, "true") && g.Grantee.Role == nil {
					panic(p.errAt(q.at, "policy grants (\"policy\"=\"true\") are for roles only: use 'to role <role>'"))
				}
			case "expires":
				if !allDigits(q.Value) || len(q.Value) > 9 {
					panic(p.errAt(q.at, "privilege property 'expires' is '%s', expect a number of days", clip(q.Value)))
				}
			}
			g.Properties = append(g.Properties, q.Property)
		}
	}
	return g
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

var objectTypes = []sqlast.ObjectType{sqlast.ObjProject, sqlast.ObjTable, sqlast.ObjFunction, sqlast.ObjResource, sqlast.ObjInstance}

func (p *parser) objectType() sqlast.ObjectType {
	const list = "'project', 'table', 'function', 'resource', 'instance'"
	if p.tok.kind != tWord {
		panic(p.errExpect("an object type: one of " + list))
	}
	for _, o := range objectTypes {
		if strings.EqualFold(p.tok.text, string(o)) {
			p.next()
			return o
		}
	}
	panic(p.errAt(p.tok.pos, "unsupported object type '%s', expect one of %s", clip(p.tok.text), list))
}

// objectName reads the object of a grant or show acl: up to three
// dot-separated parts, each either a bare run of adjacent words, '*' and
// digits (t_app_*, *) or a backquoted name. Reserved words are accepted
// bare here: nothing else can follow ON <type>.
func (p *parser) objectName() string {
	var parts []string
	for {
		at := p.tok.pos
		var part string
		switch {
		case p.tok.kind == tQuoted:
			part = p.tok.val
			if strings.ContainsAny(part, ".*") {
				panic(p.errAt(at, "invalid object name part '%s': a quoted part cannot contain '.' or '*'", clip(part)))
			}
			p.next()
		case p.tok.kind == tWord || p.isOp("*"):
			end := p.tok.end
			part = p.tok.text
			p.next()
			for p.tok.pos.off == end && (p.tok.kind == tWord || p.isOp("*") || p.tok.kind == tNumber && allDigits(p.tok.text)) {
				part += p.tok.text
				end = p.tok.end
				p.next()
			}
		default:
			panic(p.errExpect("an object name"))
		}
		parts = append(parts, part)
		if !p.isOp(".") {
			break
		}
		if len(parts) == 3 {
			panic(p.errAt(p.tok.pos, "invalid token '.': an object name has at most three parts"))
		}
		p.next()
	}
	return strings.Join(parts, ".")
}

// showGrants is show grants [for [user] <p> | for role <r>] [on type <t>];
// SHOW has been read.
func (p *parser) showGrants(n sqlast.Node) sqlast.Statement {
	p.expectWord("GRANTS")
	sg := &sqlast.ShowGrants{Node: n}
	if p.acceptWord("FOR") {
		if p.acceptWord("ROLE") {
			r := p.ident("a role name")
			sg.Role = &r
		} else {
			p.acceptWord("USER")
			pr := p.principal()
			sg.Principal = &pr
		}
	}
	if p.acceptWord("ON") {
		p.expectWord("TYPE")
		sg.OnType = p.objectType()
	}
	return sg
}

// showACL is show acl for <name> [on type <t>]; SHOW has been read.
func (p *parser) showACL(n sqlast.Node) sqlast.Statement {
	p.expectWord("ACL")
	p.expectWord("FOR")
	sa := &sqlast.ShowACL{Node: n, ObjectName: p.objectName(), ObjectType: sqlast.ObjTable}
	if p.acceptWord("ON") {
		p.expectWord("TYPE")
		sa.ObjectType = p.objectType()
	}
	return sa
}

// createRole is create role <name> [privilegeproperties("type"="admin"|"resource")];
// CREATE has been read.
func (p *parser) createRole(n sqlast.Node) sqlast.Statement {
	p.expectWord("ROLE")
	cr := &sqlast.CreateRole{Node: n, Name: p.ident("a role name")}
	if p.isWord("PRIVILEGEPROPERTIES") {
		for _, q := range p.properties("type") {
			switch strings.ToLower(q.Value) {
			case "admin":
				cr.Admin = true
			case "resource":
			default:
				panic(p.errAt(q.at, "role type '%s' is not supported, expect 'admin' or 'resource'", clip(q.Value)))
			}
		}
	}
	return cr
}
