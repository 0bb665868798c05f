// msgpackr checks for a falsy extractor and uses its JavaScript decoder instead.
module.exports = null;
